"""The Discord layer: parse an interaction, call :mod:`bot`, render the answer. Nothing else."""
