"""Idempotency-Key answers belong to the authenticated principal (account:space:credential),
no longer to a hash of the Authorization header: the scope column widens, and the answers stored
under the old hashes are dropped (they could be replayed across tenants; a retry of one of them
within its 24 hours simply runs again under the new scope).

Revision ID: 0018_idempotency_principal
Revises: 0017_merge
Create Date: 2026-11-24 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0018_idempotency_principal'
down_revision = '0017_merge'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM idempotency_keys")
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.alter_column('scope', existing_type=sa.String(length=64), type_=sa.String(length=255),
                              existing_nullable=False)


def downgrade() -> None:
    op.execute("DELETE FROM idempotency_keys")
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.alter_column('scope', existing_type=sa.String(length=255), type_=sa.String(length=64),
                              existing_nullable=False)
