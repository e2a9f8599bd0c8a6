"""an API space's push credentials (FCM per package, APNs token key, APNs certificates)

Revision ID: 0016_space_push
Revises: 0001
Create Date: 2026-11-23 01:50:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import onecast.kit.db

revision = '0016_space_push'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('space_push_credentials',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('space_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('app', sa.String(length=255), nullable=False),
    sa.Column('environment', sa.String(length=20), nullable=False),
    sa.Column('info', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('secret', sa.Text(), nullable=False),
    sa.Column('created_on', onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_on', onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['space_id'], ['api_spaces.id'],
                            name=op.f('fk_space_push_credentials_space_id_api_spaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_space_push_credentials')),
    sa.UniqueConstraint('space_id', 'kind', 'app', 'environment', name='uq_space_push_credentials_app')
    )


def downgrade() -> None:
    op.drop_table('space_push_credentials')
