"""`myna demo`: the whole workflow on the sample corpus that ships with Myna."""
