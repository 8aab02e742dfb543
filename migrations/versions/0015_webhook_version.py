"""A version on each group robot, so two admins saving (or one deleting) it at once cannot
silently overwrite each other: the second is refused and shown what is saved.

Revision ID: 8a3f5c2e71b9
Revises: 5b8e2d71c4a0
Create Date: 2026-11-30 16:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '8a3f5c2e71b9'
down_revision = '5b8e2d71c4a0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webhook', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('webhook', schema=None) as batch_op:
        batch_op.drop_column('version')
