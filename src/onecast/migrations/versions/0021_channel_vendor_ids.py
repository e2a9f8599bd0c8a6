"""messages: a vendor's message id is unique per (space, channel, direction); inbound messages
keep theirs, so a webhook the vendor retries finds the message it already made

Revision ID: 0021_channel_vendor_ids
Revises: 0020_console_sessions
Create Date: 2026-12-03 16:00:00
"""

from alembic import op

revision = '0021_channel_vendor_ids'
down_revision = '0020_console_sessions'
branch_labels = None
depends_on = None

# Before the index: of messages sharing an id on one channel only the newest keeps it (what the
# look-ups by id found first anyway; an SMSC reuses its ids after a while).
RELEASE_OLDER_DUPLICATES = """
UPDATE messages SET provider_message_id = NULL
WHERE provider_message_id IS NOT NULL AND EXISTS (
  SELECT 1 FROM messages newer
  WHERE newer.space_id = messages.space_id AND newer.channel = messages.channel
    AND newer.direction = messages.direction AND newer.provider_message_id = messages.provider_message_id
    AND (newer.created_on > messages.created_on OR (newer.created_on = messages.created_on AND newer.id > messages.id)))
"""


def upgrade() -> None:
    op.execute(RELEASE_OLDER_DUPLICATES)
    with op.batch_alter_table('messages') as batch_op:
        batch_op.drop_index('ix_messages_space_provider_id')
        batch_op.create_index(
            'uq_messages_channel_provider_id', ['space_id', 'channel', 'direction', 'provider_message_id'], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table('messages') as batch_op:
        batch_op.drop_index('uq_messages_channel_provider_id')
        batch_op.create_index('ix_messages_space_provider_id', ['space_id', 'provider_message_id'], unique=False)
