"""console: server-side sessions, disabled users, the login throttle's failure counters

Revision ID: 0020_console_sessions
Revises: 0019_appuser_access
Create Date: 2026-12-03 11:00:00
"""
import sqlalchemy as sa
from alembic import op

import onecast.kit.db

revision = '0020_console_sessions'
down_revision = '0019_appuser_access'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('console_users') as batch:
        batch.add_column(sa.Column('disabled_on', onecast.kit.db.UTCDateTime(timezone=True), nullable=True))
    op.create_table('console_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=True),
    sa.Column('key_id', sa.String(length=36), nullable=True),
    sa.Column('csrf', sa.String(length=64), nullable=False),
    sa.Column('created_on', onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_on', onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_on', onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['console_users.id'], ondelete='CASCADE',
                            name=op.f('fk_console_sessions_user_id_console_users')),
    sa.ForeignKeyConstraint(['key_id'], ['api_keys.id'], ondelete='CASCADE',
                            name=op.f('fk_console_sessions_key_id_api_keys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_sessions'))
    )
    op.create_index(op.f('ix_console_sessions_user_id'), 'console_sessions', ['user_id'])
    op.create_index(op.f('ix_console_sessions_expires_on'), 'console_sessions', ['expires_on'])
    # Ending a console agent's app-user sessions in every space looks them up by profile.
    op.create_index('ix_app_sessions_profile_provider', 'app_sessions', ['profile_id', 'provider'])
    op.create_table('console_login_failures',
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_attempt_on', onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'key', name=op.f('pk_console_login_failures'))
    )


def downgrade() -> None:
    op.drop_table('console_login_failures')
    op.drop_index('ix_app_sessions_profile_provider', table_name='app_sessions')
    op.drop_index(op.f('ix_console_sessions_expires_on'), table_name='console_sessions')
    op.drop_index(op.f('ix_console_sessions_user_id'), table_name='console_sessions')
    op.drop_table('console_sessions')
    with op.batch_alter_table('console_users') as batch:
        batch.drop_column('disabled_on')
