"""channel config encrypted at rest

Revision ID: 0013_encrypt_channel_config
Revises: 0001
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0013_encrypt_channel_config'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from onecast.kit.secrets import encrypt_text

    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.alter_column('config', type_=sa.Text(), existing_nullable=False, postgresql_using='config::text')
    bind = op.get_bind()
    for row_id, config in bind.execute(sa.text("SELECT id, config FROM channels")).all():
        value = config if isinstance(config, str) else json.dumps(config)
        bind.execute(sa.text("UPDATE channels SET config = :v WHERE id = :id"),
                     {"v": encrypt_text(value), "id": row_id})


def downgrade() -> None:
    from onecast.kit.secrets import decrypt_text

    bind = op.get_bind()
    for row_id, config in bind.execute(sa.text("SELECT id, config FROM channels")).all():
        bind.execute(sa.text("UPDATE channels SET config = :v WHERE id = :id"),
                     {"v": decrypt_text(config), "id": row_id})
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.alter_column('config', type_=sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), 'postgresql'),
                              existing_nullable=False, postgresql_using='config::jsonb')
