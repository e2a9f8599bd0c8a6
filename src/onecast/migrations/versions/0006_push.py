"""push devices registered on profiles

Revision ID: 0006_push
Revises: 0001
Create Date: 2026-11-23 00:20:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import onecast.kit.db

revision = '0006_push'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('push_devices',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('space_id', sa.String(length=36), nullable=False),
    sa.Column('profile_id', sa.String(length=255), nullable=False),
    sa.Column('device_id', sa.String(length=255), nullable=False),
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('token', sa.Text(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('app', sa.String(length=255), nullable=True),
    sa.Column('environment', sa.String(length=20), nullable=True),
    sa.Column('keys', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('info', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('created_on', onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_on', onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['space_id'], ['api_spaces.id'], name=op.f('fk_push_devices_space_id_api_spaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_devices')),
    sa.UniqueConstraint('space_id', 'profile_id', 'device_id', name='uq_push_devices_profile_device')
    )
    with op.batch_alter_table('push_devices', schema=None) as batch_op:
        batch_op.create_index('ix_push_devices_space_token', ['space_id', 'platform', 'token_hash'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('push_devices', schema=None) as batch_op:
        batch_op.drop_index('ix_push_devices_space_token')

    op.drop_table('push_devices')
