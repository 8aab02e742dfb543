"""Each plan has a data version, and computed boards are kept per version: a shared snapshot.

A past day's board reads a plan's history up to that day through a new index.

``plan.data_version`` takes a new random value in the same transaction as every write that can
change what the plan's pages show, so a snapshot stored under an older one is never read
again.

Revision ID: 5b7e1c2d9f30
Revises: 8d2e5b4c9a11
Create Date: 2026-11-30 06:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5b7e1c2d9f30'
down_revision = '8d2e5b4c9a11'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plan_update', schema=None) as batch_op:
        batch_op.create_index(
            'ix_plan_update_plan_id_effective_on', ['plan_id', 'effective_on'], unique=False
        )
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('data_version', sa.BigInteger(), server_default='1', nullable=False)
        )
    op.create_table(
        'snapshot',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('data_version', sa.BigInteger(), nullable=False),
        sa.Column('value', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ['plan_id'], ['plan.id'], name=op.f('fk_snapshot_plan_id_plan'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_snapshot')),
    )
    with op.batch_alter_table('snapshot', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_snapshot_plan_id_data_version'), ['plan_id', 'data_version'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_snapshot_plan_id_data_version'))
    op.drop_table('snapshot')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('data_version')
    with op.batch_alter_table('plan_update', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_update_plan_id_effective_on')
