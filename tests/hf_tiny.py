"""Tiny Hugging Face models built in the tests (AutoConfig → from_config → save_pretrained):
nothing is downloaded. The tokenizer is a WordPiece (or byte-level BPE for GPT-2/BART) trained
on a few sentences with the `tokenizers` library."""

from __future__ import annotations

from pathlib import Path

CORPUS = [
    "Natural language processing is a field of computer science.",
    "What is NLP? It is the study of language by machines.",
    "Apple hired Tim Cook in Cupertino. Stocks rose in New York.",
    "The quick brown fox jumps over the lazy dog.",
    "Markets fell as investors sold shares of banks and oil companies.",
    "The team won the match in the final minute of the game.",
]


def _wordpiece(directory: Path):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok.train_from_iterator(CORPUS * 5, trainers.WordPieceTrainer(vocab_size=300,
                                                                  special_tokens=specials))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                   model_max_length=64)
    fast.save_pretrained(directory)
    return fast


def _byte_bpe(directory: Path, bart: bool = False):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    tok.train_from_iterator(CORPUS * 5, trainers.BpeTrainer(
        vocab_size=400, special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    if bart:
        tok.post_processor = processors.TemplateProcessing(
            single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>",
                                   pad_token="<pad>", unk_token="<unk>", model_max_length=64)
    fast.save_pretrained(directory)
    return fast


def build(kind: str, directory: Path, seed: int = 0, **config) -> Path:
    """``kind``: classifier, nli, token, qa, masked, encoder, gpt2, bart."""
    import torch
    import transformers

    torch.manual_seed(seed)
    directory.mkdir(parents=True, exist_ok=True)
    if kind in ("gpt2", "bart"):
        tok = _byte_bpe(directory, bart=kind == "bart")
    else:
        tok = _wordpiece(directory)
    size = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                intermediate_size=64, max_position_embeddings=64, vocab_size=len(tok))
    if kind == "gpt2":
        cfg = transformers.GPT2Config(n_embd=32, n_layer=2, n_head=2, n_positions=64,
                                      vocab_size=len(tok), bos_token_id=tok.bos_token_id,
                                      eos_token_id=tok.eos_token_id)
        model = transformers.GPT2LMHeadModel(cfg)
    elif kind == "bart":
        cfg = transformers.BartConfig(d_model=32, encoder_layers=1, decoder_layers=1,
                                      encoder_attention_heads=2, decoder_attention_heads=2,
                                      encoder_ffn_dim=64, decoder_ffn_dim=64,
                                      max_position_embeddings=64, vocab_size=len(tok),
                                      pad_token_id=tok.pad_token_id, bos_token_id=0,
                                      eos_token_id=2, decoder_start_token_id=2,
                                      forced_eos_token_id=2)
        model = transformers.BartForConditionalGeneration(cfg)
    else:
        heads = {"classifier": transformers.BertForSequenceClassification,
                 "nli": transformers.BertForSequenceClassification,
                 "token": transformers.BertForTokenClassification,
                 "qa": transformers.BertForQuestionAnswering,
                 "masked": transformers.BertForMaskedLM,
                 "encoder": transformers.BertModel}
        labels = config.pop("labels", None) or {
            "classifier": ["negative", "positive"],
            "nli": ["contradiction", "neutral", "entailment"],
            "token": ["O", "B-ORG", "I-ORG", "B-PER", "I-PER", "B-LOC", "I-LOC"]}.get(kind)
        extra = ({"id2label": dict(enumerate(labels)),
                  "label2id": {n: i for i, n in enumerate(labels)}} if labels else {})
        cfg = transformers.BertConfig(**size, **extra, **config)
        model = heads[kind](cfg)
    model.save_pretrained(directory)
    return directory
