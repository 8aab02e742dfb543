"""Close-out (销号): a milestone reported done waits for the coordinating office to close it out.

Milestones already done get ``closed``: they were accepted before close-out was kept, so the
board keeps counting them as done.

Revision ID: 15345e1afca5
Revises: 3a90c504e274
Create Date: 2026-11-30 16:20:00

"""

from alembic import op
import sqlalchemy as sa


revision = "15345e1afca5"
down_revision = "3a90c504e274"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("milestone") as batch_op:
        batch_op.add_column(sa.Column("close_out", sa.String(length=16), nullable=True))
    op.execute("UPDATE milestone SET close_out = 'closed' WHERE reported_status = 'done'")


def downgrade():
    with op.batch_alter_table("milestone") as batch_op:
        batch_op.drop_column("close_out")
