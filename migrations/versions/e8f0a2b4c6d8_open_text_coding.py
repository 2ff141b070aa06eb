"""codes for open-text answers (issue 17)

Revision ID: e8f0a2b4c6d8
Revises: d7e9f1a3b5c7
Create Date: 2026-12-05 03:40:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'e8f0a2b4c6d8'
down_revision = 'd7e9f1a3b5c7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('answer_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('label_key', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("label_key <> ''", name=op.f('ck_answer_code_label_not_empty')),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_answer_code_question_id_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_code')),
    sa.UniqueConstraint('question_id', 'label_key', name=op.f('uq_answer_code_question_id_label_key'))
    )
    with op.batch_alter_table('answer_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_code_question_id'), ['question_id'], unique=False)

    op.create_table('answer_code_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answer.id'], name=op.f('fk_answer_code_assignment_answer_id_answer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['code_id'], ['answer_code.id'], name=op.f('fk_answer_code_assignment_code_id_answer_code'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user_account.id'], name=op.f('fk_answer_code_assignment_assigned_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_code_assignment')),
    sa.UniqueConstraint('answer_id', 'code_id', name=op.f('uq_answer_code_assignment_answer_id_code_id'))
    )
    with op.batch_alter_table('answer_code_assignment', schema=None) as batch_op:
        batch_op.create_index('ix_answer_code_assignment_code_id', ['code_id'], unique=False)


def downgrade():
    with op.batch_alter_table('answer_code_assignment', schema=None) as batch_op:
        batch_op.drop_index('ix_answer_code_assignment_code_id')

    op.drop_table('answer_code_assignment')
    with op.batch_alter_table('answer_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_code_question_id'))

    op.drop_table('answer_code')
