"""Messages (issue #24): browse, scan with CEL filters, export, redrive."""
