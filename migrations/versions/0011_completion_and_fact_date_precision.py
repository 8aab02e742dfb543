"""How exactly a source gives its dates: a milestone known only to be done *by* a day, and a
background fact dated by month or year.

``milestone.completed_on_exact`` is false when the plan's source says a milestone is done by a
day without saying when (the day stays out of on-time statistics); ``fact.date_precision``
says whether a fact's date is a day, a month or a year. Rows from before keep what they meant:
exact days.

Revision ID: 7f4c2a9e1d03
Revises: 3a271aded53b
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7f4c2a9e1d03'
down_revision = '3a271aded53b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('milestone') as batch_op:
        batch_op.add_column(
            sa.Column('completed_on_exact', sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table('fact') as batch_op:
        batch_op.add_column(
            sa.Column('date_precision', sa.String(length=8), server_default='day', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('fact') as batch_op:
        batch_op.drop_column('date_precision')
    with op.batch_alter_table('milestone') as batch_op:
        batch_op.drop_column('completed_on_exact')
