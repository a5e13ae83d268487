// Text written into Terraform attributes.

/**
 * Escapes literal text for a Terraform string: `${` and `%{` would otherwise start an interpolation or directive.
 * cdktf tokens (`${TfToken[...]}`) are left alone, so a text may carry Terraform references.
 */
export function terraformLiteral(text: string): string {
  return text.replace(/\$\{(?!TfToken\[)/g, "$$${").replace(/%\{/g, "%%{");
}
