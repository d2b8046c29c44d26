"""The one exception type whose message is shown to a person as it is."""


class BaitwatchError(Exception):
    """A failure the user can act on; its message is one plain sentence, never a traceback."""
