// Placeholder: the bank simulator lands with issue 6.
