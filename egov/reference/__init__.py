"""Reference data: reading and validating the files in reference/, and loading them."""
