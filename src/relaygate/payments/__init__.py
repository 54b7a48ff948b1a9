"""Online top-up: epay, Stripe and Creem orders, their signed callbacks, and the order lists."""
