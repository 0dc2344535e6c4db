"""Tables on a page: ruling lines, aligned columns of words, and the grid of cells they make."""
