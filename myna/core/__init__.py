"""What every part of Myna shares; imports nothing else of Myna."""
