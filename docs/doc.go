// Package docs holds the Markdown documentation. Its tests check that every relative link and anchor in
// README.md and docs/*.md leads somewhere, and that the README stays a front page.
package docs
