"""The star schema behind the analysts' views: dimensions and facts."""
