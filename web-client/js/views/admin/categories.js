// @ts-check
/**
 * @file The category tree (`/admin/categories`), for admins: the tree as the shop shows it, a
 * form that adds a category (at the top or under a parent), and per category an inline form that
 * renames and moves it, and a delete that the server refuses (409) while subcategories or
 * products still use the category.
 */

import { ApiError, api } from '../../api.js';
import { signedInAs } from '../../access.js';
import { clearProblem, field, formValues, h, replace, select, showProblem, toast } from '../../dom.js';

/**
 * @typedef {{id: string, name: string, slug: string, parent_id: string | null, children: CategoryNode[]}} CategoryNode
 */

/**
 * Every category in tree order, with its depth.
 * @param {CategoryNode[]} nodes
 * @param {number} [depth]
 * @returns {Array<{node: CategoryNode, depth: number}>}
 */
function flatten(nodes, depth = 0) {
  return nodes.flatMap((node) => [{ node, depth }, ...flatten(node.children, depth + 1)]);
}

/**
 * The ids of `node` and everything under it (where it cannot be moved to).
 * @param {CategoryNode} node
 * @returns {Set<string>}
 */
function subtree(node) {
  return new Set(flatten([node]).map(({ node: n }) => n.id));
}

/**
 * The choices of a parent: the top level, then every category indented by depth, without
 * `excluded` ones.
 * @param {CategoryNode[]} tree
 * @param {Set<string>} [excluded]
 * @returns {Array<[string, string]>}
 */
function parentOptions(tree, excluded = new Set()) {
  return [
    ['', 'None (top level)'],
    ...flatten(tree)
      .filter(({ node }) => !excluded.has(node.id))
      .map(({ node, depth }) => /** @type {[string, string]} */ ([node.id, `${'— '.repeat(depth)}${node.name}`])),
  ];
}

/** @param {import('../../router.js').ViewContext} ctx */
export default async function categoriesView(ctx) {
  const me = signedInAs(ctx.root, ['admin'], 'Categories');
  if (!me) return;

  /** @type {CategoryNode[]} */
  let tree = [];
  const status = h('p', { role: 'status', class: 'loading' }, 'Loading categories…');
  const alert = h('p', { class: 'alert', role: 'alert', 'data-testid': 'category-alert' });
  const treeBox = h('div', { class: 'category-tree', 'data-testid': 'category-tree' });
  const parentSlot = h('div', {});
  const treeHeading = h('h2', { id: 'categories-tree', tabIndex: -1 }, 'The tree');

  const submit = h('button', { type: 'submit' }, 'Add category');
  const createForm = h('form', { class: 'form', 'data-testid': 'category-form', onsubmit: create },
    field('Name', 'name', { required: true, maxLength: 100 }),
    parentSlot,
    h('p', { class: 'alert', role: 'alert' }),
    h('div', { class: 'actions' }, submit));

  replace(ctx.root,
    h('h1', {}, 'Categories'),
    h('section', { class: 'panel', 'aria-labelledby': 'categories-tree' },
      treeHeading,
      status, alert, treeBox),
    h('section', { class: 'panel', 'aria-labelledby': 'categories-add' },
      h('h2', { id: 'categories-add' }, 'Add a category'),
      createForm));

  async function load() {
    try {
      tree = await api('/categories');
      status.className = 'muted';
      status.textContent = tree.length ? '' : 'No categories yet.';
      const chosen = /** @type {HTMLSelectElement | null} */ (parentSlot.querySelector('select'))?.value ?? '';
      replace(parentSlot, select('Parent', 'parent_id', parentOptions(tree), chosen));
      replace(treeBox, tree.length ? branch(tree) : null);
    } catch (error) {
      status.className = 'alert';
      status.textContent = `Categories could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  /**
   * @param {CategoryNode[]} nodes
   * @returns {HTMLUListElement}
   */
  function branch(nodes) {
    return h('ul', {}, nodes.map(item));
  }

  /**
   * @param {CategoryNode} node
   * @returns {HTMLLIElement}
   */
  function item(node) {
    const editSlot = h('div', {});
    const edit = h('button', {
      type: 'button',
      class: 'link-button',
      'aria-expanded': 'false',
      'data-testid': 'edit-category',
      onclick: () => {
        const open = edit.getAttribute('aria-expanded') === 'true';
        edit.setAttribute('aria-expanded', String(!open));
        replace(editSlot, open ? null : editForm(node, edit));
        if (!open) /** @type {HTMLInputElement | null} */ (editSlot.querySelector('input'))?.focus();
      },
    }, 'Edit', h('span', { class: 'visually-hidden' }, ` ${node.name}`));
    const remove = h('button', {
      type: 'button',
      class: 'link-button',
      'data-testid': 'delete-category',
      onclick: () => removeCategory(node, remove),
    }, 'Delete', h('span', { class: 'visually-hidden' }, ` ${node.name}`));
    return h('li', { 'data-testid': 'category', 'data-category-id': node.id },
      h('div', { class: 'actions' },
        h('strong', {}, node.name), h('span', { class: 'muted' }, node.slug), edit, remove),
      editSlot,
      node.children.length > 0 && branch(node.children));
  }

  /**
   * The inline form that renames and moves `node`.
   * @param {CategoryNode} node
   * @param {HTMLButtonElement} toggle the Edit button, which gets focus back on cancel
   */
  function editForm(node, toggle) {
    const save = h('button', { type: 'submit' }, 'Save');
    const form = h('form', { class: 'form', 'data-testid': 'category-edit-form', onsubmit: update },
      field('Name', 'name', { value: node.name, required: true, maxLength: 100 }),
      select('Parent', 'parent_id', parentOptions(tree, subtree(node)), node.parent_id ?? ''),
      h('p', { class: 'alert', role: 'alert' }),
      h('div', { class: 'actions' }, save,
        h('button', {
          type: 'button',
          class: 'secondary',
          onclick: () => {
            form.remove();
            toggle.setAttribute('aria-expanded', 'false');
            toggle.focus();
          },
        }, 'Cancel')));

    /** @param {SubmitEvent} event */
    async function update(event) {
      event.preventDefault();
      clearProblem(form);
      const values = formValues(form);
      save.disabled = true;
      try {
        await api(`/categories/${node.id}`, {
          method: 'PATCH',
          body: { name: values.name ?? '', parent_id: values.parent_id ?? null },
        });
        toast(`${values.name} saved.`);
        await load();
        focusCategory(node.id);
      } catch (error) {
        showProblem(form, error);
        save.disabled = false;
      }
    }
    return form;
  }

  /**
   * Deletes a category, explaining a refusal.
   * @param {CategoryNode} node
   * @param {HTMLButtonElement} button
   */
  async function removeCategory(node, button) {
    alert.textContent = '';
    button.disabled = true;
    try {
      await api(`/categories/${node.id}`, { method: 'DELETE' });
      status.className = 'muted';
      await load();
      status.textContent = `${node.name} was deleted.`;
      treeHeading.focus();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      alert.textContent = error instanceof ApiError && error.status === 409
        ? `${node.name} cannot be deleted while subcategories or products use it: move or delete them first (${reason}).`
        : `${node.name} could not be deleted: ${reason}`;
      button.disabled = false;
    }
  }

  /** @param {SubmitEvent} event */
  async function create(event) {
    event.preventDefault();
    clearProblem(createForm);
    const values = formValues(createForm);
    submit.disabled = true;
    try {
      /** @type {{id: string, name: string}} */
      const created = await api('/categories', {
        method: 'POST',
        body: { name: values.name ?? '', ...(values.parent_id ? { parent_id: values.parent_id } : {}) },
      });
      /** @type {HTMLInputElement} */ (createForm.elements.namedItem('name')).value = '';
      toast(`${created.name} added.`);
      await load();
    } catch (error) {
      showProblem(createForm, error);
    } finally {
      submit.disabled = false;
    }
  }

  /** Moves focus to a category's Edit button after the tree was redrawn. @param {string} id */
  function focusCategory(id) {
    const button = treeBox.querySelector(`[data-category-id="${CSS.escape(id)}"] [data-testid="edit-category"]`);
    if (button instanceof HTMLElement) button.focus();
  }

  await load();
}
