"""compat: Bird message fields (receiver, body, reference, tags, schedule); Messaging API webhooks

Revision ID: 0014_compat
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import onecast.kit.db

revision = '0014_compat'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('compat_bird_messages',
    sa.Column('message_id', sa.String(length=36), nullable=False),
    sa.Column('space_id', sa.String(length=36), nullable=False),
    sa.Column('channel_id', sa.String(length=100), nullable=False),
    sa.Column('reference', sa.String(length=255), nullable=True),
    sa.Column('tags', onecast.kit.db.JSONDoc, nullable=False),
    sa.Column('receiver', onecast.kit.db.JSONDoc, nullable=False),
    sa.Column('body', onecast.kit.db.JSONDoc, nullable=True),
    sa.Column('template', onecast.kit.db.JSONDoc, nullable=True),
    sa.Column('scheduled_for', onecast.kit.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('message_id', name=op.f('pk_compat_bird_messages'))
    )
    op.create_index(op.f('ix_compat_bird_messages_space_id'), 'compat_bird_messages', ['space_id'], unique=False)
    op.create_table('compat_msgapi_webhooks',
    sa.Column('space_id', sa.String(length=36), nullable=False),
    sa.Column('app_id', sa.String(length=36), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('verify_token', sa.String(length=200), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('created_on', onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_on', onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('space_id', name=op.f('pk_compat_msgapi_webhooks'))
    )


def downgrade() -> None:
    op.drop_table('compat_msgapi_webhooks')
    op.drop_index(op.f('ix_compat_bird_messages_space_id'), table_name='compat_bird_messages')
    op.drop_table('compat_bird_messages')
