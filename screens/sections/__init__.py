"""The list sections of the main screen, one per kind of thing kctui keeps."""
