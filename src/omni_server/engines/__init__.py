"""Engines produce the content of a turn; the runner owns everything else."""
