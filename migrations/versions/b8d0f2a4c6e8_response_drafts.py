"""response_draft: a personal link's partly answered form, saved to continue later (one per invitation,
deleted with it)

Revision ID: b8d0f2a4c6e8
Revises: a7c9e1f3b5d4
Create Date: 2026-12-05 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b8d0f2a4c6e8'
down_revision = 'a7c9e1f3b5d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('response_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'],
                            name=op.f('fk_response_draft_invitation_id_invitation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_draft')),
    sa.UniqueConstraint('invitation_id', name=op.f('uq_response_draft_invitation_id'))
    )
    with op.batch_alter_table('response_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_draft_updated_at'), ['updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('response_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_draft_updated_at'))
    op.drop_table('response_draft')
