"""dashboard/frames."""
