"""Uploaded files: editor images stored under instance/uploads and served with safe headers."""
