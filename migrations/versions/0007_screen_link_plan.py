"""Screen links name their plan: each meeting-room display shows one plan of several.

Links made before keep no plan and go on showing the default plan.

Revision ID: 8d2e5b4c9a11
Revises: 3c1f0a7d2b6e
Create Date: 2026-11-30 04:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '8d2e5b4c9a11'
down_revision = '3c1f0a7d2b6e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('screen_link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_screen_link_plan_id_plan'), 'plan', ['plan_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('screen_link', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_screen_link_plan_id_plan'), type_='foreignkey')
        batch_op.drop_column('plan_id')
