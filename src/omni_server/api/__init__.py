"""HTTP edge: routes, dependencies, the one error mapping, request ids."""
