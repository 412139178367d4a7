"""Modal screens: preview and progress of a writeback, conflicts, config forms.

Each module is imported where it is pushed, so starting the app pays only for
the screens it shows.
"""
