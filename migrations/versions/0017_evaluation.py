"""Department evaluation (考评): the working-day calendar and each plan's scoring schemes.

Both tables start empty: without a calendar only weekends are days off, and a plan without a
scheme is scored by the default scheme.

Revision ID: 3a90c504e274
Revises: 0af2ab9129cf
Create Date: 2026-11-30 16:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '3a90c504e274'
down_revision = '0af2ab9129cf'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_day',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_day')),
        sa.UniqueConstraint('day', name=op.f('uq_calendar_day_day')),
    )
    op.create_table(
        'evaluation_scheme',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('on_time_points', sa.Integer(), nullable=False),
        sa.Column('reporting_points', sa.Integer(), nullable=False),
        sa.Column('receipt_points', sa.Integer(), nullable=False),
        sa.Column('quality_points', sa.Integer(), nullable=False),
        sa.Column('instruction_points', sa.Integer(), nullable=False),
        sa.Column('receipt_days', sa.Integer(), nullable=False),
        sa.Column('overdue_deduction', sa.Integer(), nullable=False),
        sa.Column('deduction_cap', sa.Integer(), nullable=False),
        sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('saved_by_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint(
            'on_time_points >= 0 AND reporting_points >= 0 AND receipt_points >= 0 '
            'AND quality_points >= 0 AND instruction_points >= 0 AND overdue_deduction >= 0 '
            'AND deduction_cap >= 0 AND receipt_days >= 0',
            name=op.f('ck_evaluation_scheme_not_negative'),
        ),
        sa.ForeignKeyConstraint(
            ['plan_id'], ['plan.id'], name=op.f('fk_evaluation_scheme_plan_id_plan')
        ),
        sa.ForeignKeyConstraint(
            ['saved_by_id'], ['app_user.id'], name=op.f('fk_evaluation_scheme_saved_by_id_app_user')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_scheme')),
        sa.UniqueConstraint(
            'plan_id', 'valid_from', name=op.f('uq_evaluation_scheme_plan_id_valid_from')
        ),
    )
    with op.batch_alter_table('evaluation_scheme', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_evaluation_scheme_plan_id'), ['plan_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('evaluation_scheme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_scheme_plan_id'))
    op.drop_table('evaluation_scheme')
    op.drop_table('calendar_day')
