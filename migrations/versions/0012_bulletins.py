"""Monthly bulletins (督办通报) kept as issued: who made which month's, when, and the .docx.

No unique key on (plan, month): a month is generated again after late approvals, and two
people may generate it at the same moment; each generation is its own row, numbered by id.

Revision ID: 7d41c0b2e9a8
Revises: 7f4c2a9e1d03
Create Date: 2026-11-30 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7d41c0b2e9a8'
down_revision = '7f4c2a9e1d03'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'bulletin',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('figures', sa.Text(), nullable=False),
        sa.Column('changes', sa.Text(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ['created_by_id'], ['app_user.id'], name=op.f('fk_bulletin_created_by_id_app_user')
        ),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_bulletin_plan_id_plan')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletin')),
    )
    with op.batch_alter_table('bulletin', schema=None) as batch_op:
        batch_op.create_index('ix_bulletin_plan_id_month', ['plan_id', 'month'], unique=False)


def downgrade():
    with op.batch_alter_table('bulletin', schema=None) as batch_op:
        batch_op.drop_index('ix_bulletin_plan_id_month')
    op.drop_table('bulletin')
