/*
 * rindex (libc declares it char *rindex(const char *, int)) and its alias last_of, in assembly
 * assembled with -g: gdb gives both the type void (void), finds no return type for a call, and
 * names the call of rindex 'last_of', as it names ld.so's memmove 'memcpy' and strchr 'index'
 * when libc6-dbg is installed.
 */
	.section .note.GNU-stack,"",@progbits
	.text
	.globl	rindex
	.type	rindex, @function
rindex:
	xorl	%eax, %eax
1:	movzbl	(%rdi), %edx
	cmpb	%sil, %dl
	jne	2f
	movq	%rdi, %rax
2:	incq	%rdi
	testb	%dl, %dl
	jne	1b
	ret
	.size	rindex, .-rindex
	.globl	last_of
	.set	last_of, rindex
