"""survey.questions_version: bumped whenever a survey's questions or choices change

Lets the respondent pages cache a survey's question definitions per worker process and
notice an edit on the next request.

Revision ID: d2b8e6f4a1c3
Revises: 5294dc1797fa
Create Date: 2026-11-24 07:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd2b8e6f4a1c3'
down_revision = '5294dc1797fa'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('questions_version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_column('questions_version')
