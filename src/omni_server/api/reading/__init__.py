"""Reading requests: query strings, path ids and JSON bodies, in the reference's words."""
