"""app-user access: teams published for app users, sessions minted for an API key

Revision ID: 0019_appuser_access
Revises: 0018_idempotency_principal
Create Date: 2026-12-03 11:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_appuser_access'
down_revision = '0018_idempotency_principal'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing teams stay unpublished: app users could open chats with any team before, which
    # is what this revision stops; the space publishes the teams its widget talks to.
    with op.batch_alter_table('chat_teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_public', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('app_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_id', sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('app_sessions', schema=None) as batch_op:
        batch_op.drop_column('key_id')
    with op.batch_alter_table('chat_teams', schema=None) as batch_op:
        batch_op.drop_column('is_public')
