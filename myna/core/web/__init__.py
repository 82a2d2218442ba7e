"""HTTP plumbing shared by `myna serve`, `myna annotate serve` and `myna app`: the uvicorn
protocol with header limits, host and origin checks, API keys and body limits."""
