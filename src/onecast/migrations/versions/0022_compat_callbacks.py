"""seed 003 callbacks become webhooks (payload format `msgapi`); compat_msgapi_webhooks goes

Each callback configuration becomes a webhook of its space with the `msgapi` payload format
(its app id and verify token in the encrypted format options), and the events its cursor had not
delivered yet become pending deliveries, so nothing waiting is lost.

Revision ID: 0022_compat_callbacks
Revises: 0021_channel_vendor_ids
"""

import secrets
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import onecast.kit.db

revision = '0022_compat_callbacks'
down_revision = '0021_channel_vendor_ids'
branch_labels = None
depends_on = None

STATUS_EVENTS = ("sent", "delivered", "read", "failed", "expired", "filtered", "deleted")
EVENTS = (
    "message.inbound",
    *(f"message.{s}" for s in STATUS_EVENTS),
    "session.close",
    "session.resolve",
    "session.routing",
    "customer.event",
)


def _tables():
    from onecast.kit.secrets import EncryptedJSON, EncryptedText

    webhooks = sa.table(
        'webhooks',
        *(
            sa.column(n)
            for n in (
                'id',
                'space_id',
                'name',
                'url',
                'batch',
                'max_batch_size',
                'batch_timeout',
                'enabled',
                'revision',
                'created_on',
                'created_by',
                'updated_on',
                'updated_by',
                'payload_format',
            )
        ),
        sa.column('secret', EncryptedText()),
        sa.column('previous_secrets', EncryptedJSON()),
        sa.column('format_options', EncryptedJSON()),
        sa.column("subscriptions", onecast.kit.db.JSONDoc),
    )
    deliveries = sa.table(
        'webhook_deliveries',
        *(
            sa.column(n)
            for n in (
                'id',
                'webhook_id',
                'space_id',
                'event_id',
                'event_name',
                'entity_id',
                'revision',
                'status',
                'attempts',
                'next_attempt_on',
                'replay',
                'created_on',
            )
        ),
    )
    return webhooks, deliveries


def upgrade() -> None:
    with op.batch_alter_table('webhooks') as batch:
        batch.add_column(sa.Column('payload_format', sa.String(length=20), nullable=False, server_default='standard'))
        batch.add_column(sa.Column('format_options', sa.Text(), nullable=True))
    from onecast.webhooks.signing import new_secret

    webhooks, deliveries = _tables()
    bind = op.get_bind()
    now = datetime.now(UTC)
    rows = bind.execute(sa.text("SELECT space_id, app_id, url, verify_token, last_seq FROM compat_msgapi_webhooks"))
    for space_id, app_id, url, token, last_seq in rows.all():
        hook_id = (
            app_id
            if bind.execute(sa.text("SELECT 1 FROM webhooks WHERE id = :i"), {"i": app_id}).first() is None
            else str(uuid.uuid4())
        )
        bind.execute(
            webhooks.insert().values(
                id=hook_id,
                space_id=space_id,
                name="Messaging APIs v1.0 callback",
                url=url,
                secret=new_secret(),
                previous_secrets=[],
                subscriptions=[{"type": e} for e in EVENTS],
                batch=False,
                max_batch_size=1,
                batch_timeout=0,
                enabled=True,
                revision=1,
                created_on=now,
                created_by="migration",
                updated_on=now,
                updated_by="migration",
                payload_format="msgapi",
                format_options={"appId": app_id, "verifyToken": token or secrets.token_urlsafe(24)},
            )
        )
        waiting = bind.execute(
            sa.text("SELECT id, name, entity_id, revision FROM events WHERE space_id = :s AND seq > :q ORDER BY seq"),
            {"s": space_id, "q": last_seq},
        ).all()
        for event_id, name, entity_id, event_revision in waiting:
            if name in EVENTS:
                bind.execute(
                    deliveries.insert().values(
                        id=str(uuid.uuid4()),
                        webhook_id=hook_id,
                        space_id=space_id,
                        event_id=event_id,
                        event_name=name,
                        entity_id=entity_id,
                        revision=event_revision,
                        status="pending",
                        attempts=0,
                        next_attempt_on=now,
                        replay=False,
                        created_on=now,
                    )
                )
    op.drop_table('compat_msgapi_webhooks')


def downgrade() -> None:
    op.create_table(
        'compat_msgapi_webhooks',
        sa.Column('space_id', sa.String(length=36), nullable=False),
        sa.Column('app_id', sa.String(length=36), nullable=False),
        sa.Column('url', sa.String(length=2048), nullable=False),
        sa.Column('verify_token', sa.String(length=200), nullable=False),
        sa.Column('last_seq', sa.Integer(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('created_on', onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_on', onecast.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('space_id', name=op.f('pk_compat_msgapi_webhooks')),
    )
    op.execute(
        "DELETE FROM webhook_deliveries WHERE webhook_id IN (SELECT id FROM webhooks WHERE payload_format = 'msgapi')"
    )
    op.execute("DELETE FROM webhooks WHERE payload_format = 'msgapi'")
    with op.batch_alter_table('webhooks') as batch:
        batch.drop_column('format_options')
        batch.drop_column('payload_format')
