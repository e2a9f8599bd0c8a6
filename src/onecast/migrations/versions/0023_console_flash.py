"""console: notices and errors kept with the login, shown once (not in the page's query string);
an index for a webhook endpoint's health (its attempts of the last day)

Revision ID: 0023_console_flash
Revises: 0022_compat_callbacks
Create Date: 2026-12-03 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0023_console_flash'
down_revision = '0022_compat_callbacks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('console_sessions') as batch:
        batch.add_column(sa.Column('flash', sa.Text(), nullable=True))
    op.create_index('ix_webhook_attempts_webhook_time', 'webhook_attempts', ['webhook_id', 'attempted_on'])


def downgrade() -> None:
    op.drop_index('ix_webhook_attempts_webhook_time', table_name='webhook_attempts')
    with op.batch_alter_table('console_sessions') as batch:
        batch.drop_column('flash')
