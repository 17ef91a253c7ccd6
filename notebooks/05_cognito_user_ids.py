# %% [markdown]
# # 05 · update-cognito-user-ids: from a Cognito `sub` to a Postgres user
#
# ## Aim
#
# Create the user pool of the seed users, copy each user's Cognito `sub` into
# `users.cognito_user_id` by handle, and see why every page of `ListUsers` matters.
#
# This is the one notebook without DynamoDB: it joins Cognito to PostgreSQL, which is how
# every access pattern in 06–10 learns who is calling.
#
# ## Theory
#
# The app learns who calls it from the `sub` claim of the caller's Cognito token, and
# finds the caller in Postgres by `users.cognito_user_id`. Seeded users start with the
# placeholder `MOCK`. The bootcamp's `bin/db/update_cognito_user_ids` (week 5, commit
# `411ce99`) listed the pool's users (`preferred_username` → `sub`) and updated Postgres by
# handle, one commit per user, but called `ListUsers` once and never followed its
# `PaginationToken`: a page holds at most 60 users, so in a larger pool the rest were never
# synced.
#
# Why `sub`? It is the one attribute of a Cognito user that never changes and is never
# reused. A user may change their email, and `preferred_username` is a mutable attribute
# too; the app keys users by `sub` and uses the handle only to find them once.
#
# AWS documentation: [ListUsers](https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ListUsers.html),
# [user pool attributes](https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html).
#
# Cognito's `sub` is a random uuid on every engine, so this notebook never prints one: it
# prints handles and counts.

# %% tags=["parameters"]
engine = None  # None: from the environment (CRUDDUR_ENGINE, AWS_ENDPOINT_URL), else embedded
now = "2026-03-01T12:00:00+00:00"  # the notebook's clock; "real" for the real time
table_name = "cruddur-messages"
extra_users = 70  # pool users without a Postgres row: more than one ListUsers page
reset = False  # True drops the table first; nothing is ever deleted unless you ask

# %%
from cruddur_lab import Lab
from cruddur_lab.notebook.display import show
from cruddur_lab.scripts.cognito import (
    LIST_USERS_PAGE,
    list_pool_users,
    seed_user_pool,
    update_cognito_user_ids,
)
from cruddur_lab.scripts.usersdb import list_users, seed_users

print("ListUsers page size:", LIST_USERS_PAGE)

# %% [markdown]
# ## Practice
#
# This notebook needs only the users database and the pool (no DynamoDB table). Cognito
# triggers never fire on moto, so the pool is filled by `AdminCreateUser` calls.

# %%
lab = Lab.open(engine, table_name=table_name, now=now)
users_report = seed_users(lab)
print("users inserted:", ", ".join(users_report.inserted) or "none (already there)")
pool_id = seed_user_pool(lab, extra_users=extra_users)
pool_users, pages = list_pool_users(lab, pool_id)
print(f"pool users: {len(pool_users)} in {pages} ListUsers page(s)")

# %% [markdown]
# Before the sync, who is still `MOCK`:


# %%
def sync_table():
    rows = [
        {
            "handle": u.handle,
            "cognito_user_id": "MOCK" if u.cognito_user_id == "MOCK" else "a Cognito sub",
        }
        for u in list_users(lab)
    ]
    return show(rows, ("handle", "cognito_user_id"))


sync_table()

# %% [markdown]
# The sync, every page. Pool users without a Postgres row are reported as *unmatched*
# rather than ignored silently.
#
# **Predict, then run:** the pool has more users than one `ListUsers` page. How many pages
# will the sync read, and how many pool users will it report as unmatched?

# %%
first = update_cognito_user_ids(lab, pool_id)
print(first)
print("updated:", ", ".join(first.updated))
sync_table()

# %% [markdown]
# Run again: nothing to do. The update runs in one Postgres transaction, so an interrupted
# sync leaves either the old ids or the new ones.

# %%
second = update_cognito_user_ids(lab, pool_id)
print(second)

# %% [markdown]
# What the bootcamp's first-page-only version would have seen: only the first
# `LIST_USERS_PAGE` users. Which seed users are on page one depends on the pool's order,
# so we count instead of naming them.

# %%
first_page = lab.cognito.list_users(UserPoolId=pool_id, Limit=LIST_USERS_PAGE)["Users"]
print(
    f"first page: {len(first_page)} of {len(pool_users)} users; "
    f"{len(pool_users) - len(first_page)} never looked at"
)

# %% [markdown]
# ## Check

# %%
handles = {u.handle for u in list_users(lab)}
assert pages == max(1, -(-len(pool_users) // LIST_USERS_PAGE))
assert pages >= 2 or len(pool_users) <= LIST_USERS_PAGE
assert set(first.updated) | set(first.already_current) == handles
assert second.updated == [] and set(second.already_current) == handles
assert len(first.unmatched) == extra_users
assert all(u.cognito_user_id != "MOCK" for u in list_users(lab))
print("checks passed")

# %% [markdown]
# ## Exercises
#
# 1. Set one user's `cognito_user_id` back to `MOCK` with
#    `lab.pg.execute("UPDATE public.users SET cognito_user_id = 'MOCK' WHERE handle = 'londo'")`
#    and sync again. What does the report say?
# 2. Why match pool users by `preferred_username` and not by email?
# 3. Which lookup does the app make on every request, and which index would you want on
#    `public.users` for it?
#
# <details><summary>Solutions</summary>
#
# 1. `updated: 1`, naming londo; everyone else is already current.
# 2. The handle is what Postgres and the app use to name a user, and the bootcamp's sign-up
#    set `preferred_username` to it. The seed's emails are unique too, but a user can change
#    their email in Cognito, and `preferred_username` is just as mutable: either match is a
#    one-time bridge. Only `sub` is immutable, which is why the app keys on it afterwards.
# 3. `WHERE cognito_user_id = %s`: an index (unique, once synced) on `cognito_user_id`.
#
# </details>
#
# ## Summary
#
# * The app finds its caller in Postgres by the immutable Cognito `sub`, stored in
#   `users.cognito_user_id`.
# * `ListUsers` returns at most 60 users a page: follow `PaginationToken` to the end.
# * The sync is one Postgres transaction and reports unmatched pool users.

# %%
lab.close()
