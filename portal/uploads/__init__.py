"""Uploaded files: editor images and ticket attachments in one store (storage.py), served with safe headers."""
