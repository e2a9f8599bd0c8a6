"""merge the domain branches 0002..0016 into one head

Revision ID: 0017_merge
Revises: 0002_webhooks, 0003_smpp, 0004_email, 0005_messaging, 0006_push, 0007_templates,
    0008_verify_rules, 0009_conversations, 0010_billing, 0011_profile_imports, 0012_retention,
    0013_encrypt_channel_config, 0014_compat, 0015_console, 0016_space_push
Create Date: 2026-11-23 03:30:00
"""
revision = '0017_merge'
# Every domain branched from 0001; from here on a new revision revises the single head
# (tests/test_migrations.py fails if a second head appears).
down_revision = ('0002_webhooks', '0003_smpp', '0004_email', '0005_messaging', '0006_push',
                 '0007_templates', '0008_verify_rules', '0009_conversations', '0010_billing',
                 '0011_profile_imports', '0012_retention', '0013_encrypt_channel_config',
                 '0014_compat', '0015_console', '0016_space_push')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
