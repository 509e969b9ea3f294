"""Screens: the main chat screen and the modal dialogs."""
