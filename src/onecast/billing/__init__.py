"""Cost accounting per account: a tariff (prices per channel type and country), a ledger of
debits (sends) and credits, and an optional credit limit checked when a send is accepted."""
