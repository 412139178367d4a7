"""writeback: edit rows behind REST APIs in the terminal and write them back."""

__version__ = "0.1.0"
