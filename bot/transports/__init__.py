"""One module per chat platform; each only translates between the platform and the command
layer."""
