"""What the services need to render documents (the payment receipt, a unit's signed result): fonts."""
