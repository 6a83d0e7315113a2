"""The ``sandi`` command line: a thin shell over the public :mod:`sandi` API.

Run ``sandi --help``; from Python, ``sandi_cli.main.main(["verify", "x.sandi"])``
returns the exit code. No crypto and no wire format live here.
"""
