"""Mutation testing of the core (`make mutate`, docs/mutation.md): not shipped, not run by
`make test`."""
