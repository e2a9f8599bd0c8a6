"""Moved to onecast.kit.ssrf (one guard for every customer-given URL); kept for old imports."""
from onecast.kit.ssrf import AddressGuard, BlockedTarget, parse_networks  # noqa: F401
