"""membership.status_changed_at: when a membership last changed status (retention of people who left
every network counts from it)

Existing rows get the time of the upgrade, not their joined_at: when a past withdrawal happened is unknown,
and counting from the upgrade never anonymises anyone earlier than the configured period allows.

Revision ID: f6a8b0d2c4e3
Revises: e5f7a9c1b3d2
Create Date: 2026-12-04 19:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f6a8b0d2c4e3'
down_revision = 'e5f7a9c1b3d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_changed_at', sa.DateTime(), nullable=True))
    op.execute(sa.text("UPDATE membership SET status_changed_at = CURRENT_TIMESTAMP"))
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.alter_column('status_changed_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.create_index('ix_membership_status_changed_at', ['status_changed_at'])


def downgrade():
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index('ix_membership_status_changed_at')
        batch_op.drop_column('status_changed_at')
