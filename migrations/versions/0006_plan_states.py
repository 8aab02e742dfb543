"""Plan states: draft, active, closed, archived; the day a plan closed.

Every plan loaded before this is active, as it was.

Revision ID: 3c1f0a7d2b6e
Revises: 19faa6fddad7
Create Date: 2026-11-30 04:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '3c1f0a7d2b6e'
down_revision = '19faa6fddad7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('state', sa.String(length=16), server_default='active', nullable=False)
        )
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_plan_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_state'))
        batch_op.drop_column('closed_on')
        batch_op.drop_column('state')
