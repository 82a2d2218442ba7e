"""Reference profiles and drift checks (`myna monitor`)."""
